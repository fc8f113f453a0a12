from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="token_version",
            field=models.PositiveIntegerField(
                default=0,
                db_default=0,
                help_text=(
                    "Carried by every realtime JWT; raising it (password change, deactivation) revokes them all."
                ),
            ),
        ),
    ]
