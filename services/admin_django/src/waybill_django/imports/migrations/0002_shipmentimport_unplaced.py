from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='shipmentimport',
            name='rows_unplaced',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='shipmentimport',
            name='warning_report',
            field=models.FileField(blank=True, upload_to='imports/reports/%Y/%m/'),
        ),
    ]
