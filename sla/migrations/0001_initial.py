import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import sla.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('escalation', '0011_webhooks'),
        ('tickets', '0010_fk_indexes_covered'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Calendar',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                        ('time_zone', models.CharField(default='Asia/Jakarta', help_text='WIB: Asia/Jakarta, WITA: Asia/Makassar, WIT: Asia/Jayapura.', max_length=64, validators=[sla.models.validate_time_zone], verbose_name='time zone')),
                        ('always_open', models.BooleanField(default=False, help_text='24×7: every minute counts, holidays included.', verbose_name='around the clock')),
                        ('indonesian_holidays', models.BooleanField(default=True, help_text='Skip Indonesian public holidays and collective leave days.', verbose_name='Indonesian public holidays')),
                    ],
                    options={
                        'verbose_name': 'business calendar',
                        'verbose_name_plural': 'business calendars',
                        'ordering': ['name'],
                        'indexes': [],
                        'constraints': [],
                        'db_table': 'escalation_calendar',
                    },
                ),
                migrations.CreateModel(
                    name='WorkingPeriod',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], verbose_name='weekday')),
                        ('start', models.TimeField(verbose_name='from')),
                        ('end', models.TimeField(help_text='00:00 means midnight, the end of the day.', verbose_name='until')),
                        ('calendar', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='periods', to='sla.calendar')),
                    ],
                    options={
                        'verbose_name': 'working period',
                        'verbose_name_plural': 'working periods',
                        'ordering': ['weekday', 'start'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='working_period_ends_after_start')],
                        'indexes': [],
                        'db_table': 'escalation_workingperiod',
                    },
                ),
                migrations.CreateModel(
                    name='Holiday',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('calendar', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='sla.calendar')),
                    ],
                    options={
                        'verbose_name': 'holiday',
                        'verbose_name_plural': 'holidays',
                        'ordering': ['date'],
                        'constraints': [models.UniqueConstraint(fields=('calendar', 'date'), name='holiday_once_per_calendar_day')],
                        'indexes': [],
                        'db_table': 'escalation_holiday',
                    },
                ),
                migrations.CreateModel(
                    name='SlaPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('priority', models.PositiveSmallIntegerField(choices=[(1, 'P1'), (2, 'P2'), (3, 'P3'), (4, 'P4')], verbose_name='priority')),
                        ('first_response_minutes', models.PositiveIntegerField(verbose_name='first response within (minutes)')),
                        ('resolution_minutes', models.PositiveIntegerField(verbose_name='resolution within (minutes)')),
                        ('first_warning_percent', models.PositiveSmallIntegerField(default=50, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(99)], verbose_name='first warning at (% of target)')),
                        ('second_warning_percent', models.PositiveSmallIntegerField(default=80, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(99)], verbose_name='second warning at (% of target)')),
                        ('calendar', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='sla.calendar', verbose_name='calendar')),
                        ('category', models.ForeignKey(blank=True, help_text='Leave empty for the default policy of this priority.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sla_policies', to='tickets.category', verbose_name='category')),
                    ],
                    options={
                        'verbose_name': 'SLA policy',
                        'verbose_name_plural': 'SLA policies',
                        'ordering': ['priority', 'category__name'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('category__isnull', True)), fields=('priority',), name='sla_policy_one_default_per_priority'), models.UniqueConstraint(fields=('priority', 'category'), name='sla_policy_one_per_priority_category'), models.CheckConstraint(condition=models.Q(('second_warning_percent__gt', models.F('first_warning_percent'))), name='sla_policy_warnings_in_order')],
                        'indexes': [],
                        'db_table': 'escalation_slapolicy',
                    },
                ),
                migrations.CreateModel(
                    name='SlaClock',
                    fields=[
                        ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='sla_clock', serialize=False, to='tickets.ticket')),
                        ('next_check_at', models.DateTimeField(blank=True, null=True, verbose_name='next check')),
                    ],
                    options={
                        'verbose_name': 'SLA clock',
                        'verbose_name_plural': 'SLA clocks',
                        'indexes': [models.Index(condition=models.Q(('next_check_at__isnull', False)), fields=['next_check_at'], name='sla_clock_due_idx')],
                        'constraints': [],
                        'db_table': 'escalation_slaclock',
                    },
                ),
                migrations.CreateModel(
                    name='SlaEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('metric', models.CharField(choices=[('first_response', 'First response'), ('resolution', 'Resolution')], max_length=16, verbose_name='metric')),
                        ('threshold', models.CharField(choices=[('warning_1', 'First warning'), ('warning_2', 'Second warning'), ('breached', 'Breached')], max_length=12, verbose_name='threshold')),
                        ('due_at', models.DateTimeField(verbose_name='threshold time')),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
                        ('level', models.PositiveSmallIntegerField(choices=[(1, 'Level I'), (2, 'Level II'), (3, 'Level III')], verbose_name='level at the time')),
                        ('notified_at', models.DateTimeField(blank=True, null=True, verbose_name='notified')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sla_events', to='tickets.ticket')),
                    ],
                    options={
                        'verbose_name': 'SLA event',
                        'verbose_name_plural': 'SLA events',
                        'ordering': ['recorded_at', 'id'],
                        'indexes': [models.Index(fields=['threshold', 'recorded_at'], name='sla_event_threshold_idx'), models.Index(condition=models.Q(('notified_at__isnull', True)), fields=['recorded_at'], name='sla_event_unnotified_idx')],
                        'constraints': [models.UniqueConstraint(fields=('ticket', 'metric', 'threshold'), name='sla_event_once_per_threshold')],
                        'db_table': 'escalation_slaevent',
                    },
                ),
            ],
        ),
    ]
