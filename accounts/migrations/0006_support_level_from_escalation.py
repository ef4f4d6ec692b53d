from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_language_follows_browser'),
        ('escalation', '0011_webhooks'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SupportLevel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveSmallIntegerField(choices=[(1, 'Level I'), (2, 'Level II'), (3, 'Level III')], unique=True, verbose_name='level')),
                        ('name', models.CharField(max_length=80, verbose_name='name')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('members', models.ManyToManyField(blank=True, related_name='support_levels', to=settings.AUTH_USER_MODEL, verbose_name='agents')),
                    ],
                    options={
                        'verbose_name': 'support level',
                        'verbose_name_plural': 'support levels',
                        'ordering': ['number'],
                        'indexes': [],
                        'constraints': [],
                        'db_table': 'escalation_supportlevel',
                    },
                ),
            ],
        ),
    ]
