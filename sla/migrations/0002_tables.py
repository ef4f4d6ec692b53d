from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0001_initial'),
        ('escalation', '0012_models_to_their_apps'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='calendar',
            table=None,
        ),
        migrations.AlterModelTable(
            name='holiday',
            table=None,
        ),
        migrations.AlterModelTable(
            name='slaclock',
            table=None,
        ),
        migrations.AlterModelTable(
            name='slaevent',
            table=None,
        ),
        migrations.AlterModelTable(
            name='slapolicy',
            table=None,
        ),
        migrations.AlterModelTable(
            name='workingperiod',
            table=None,
        ),
    ]
