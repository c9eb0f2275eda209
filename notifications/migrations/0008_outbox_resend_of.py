import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_inbound_reply_in_outbox")]

    operations = [
        migrations.AddField(
            model_name="outboundsms",
            name="resend_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="resends",
                to="notifications.outboundsms",
                verbose_name="sent again from",
            ),
        ),
        migrations.AddIndex(
            model_name="outboundsms",
            index=models.Index(
                condition=models.Q(("resend_of__isnull", False)), fields=["resend_of"], name="sms_resend_of_idx"
            ),
        ),
    ]
