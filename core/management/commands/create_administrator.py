"""Create the first administrator of a new installation; they then create every other ministry user."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from core.access import Role
from core.models import User
from core.services import set_password_link


class Command(BaseCommand):
    help = "Create an administrator account and print a link to choose its password."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, email, first_name, last_name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not a valid e-mail address: {email}") from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username} already exists.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"Another account already uses {email}.")
        with transaction.atomic():
            user = User(username=username, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
        self.stdout.write(f"Administrator {username} created. Choose the password here (the link works once):")
        self.stdout.write(set_password_link(user))
