from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shipments", "0004_shipment_field_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="proofofdelivery",
            name="signed_name",
            field=models.CharField(
                blank=True,
                help_text="A signature typed instead of drawn (keyboard alternative).",
                max_length=200,
            ),
        ),
    ]
