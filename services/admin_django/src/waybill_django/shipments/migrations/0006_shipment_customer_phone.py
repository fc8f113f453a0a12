import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shipments", "0005_proofofdelivery_signed_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="customer_phone",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="For the driver to call the recipient; never shown on the public tracking page.",
                max_length=32,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\+?[0-9][0-9 ()./-]{2,30}$",
                        "Enter a phone number: digits, with an optional leading + and spaces, ( ) - . or /.",
                    )
                ],
            ),
        ),
    ]
