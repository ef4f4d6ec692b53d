from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_support_level_from_escalation'),
        ('escalation', '0012_models_to_their_apps'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='supportlevel',
            table=None,
        ),
    ]
