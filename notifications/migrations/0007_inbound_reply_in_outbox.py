import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_retention_parameters")]

    operations = [
        migrations.AddField(
            model_name="inboundsms",
            name="reply_sms",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="replied_to",
                to="notifications.outboundsms",
                verbose_name="reply in the outbox",
            ),
        ),
    ]
