import django.db.models.deletion
import django.utils.timezone
import notifications.models
from django.conf import settings
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
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('url', models.URLField(help_text='Where the events are POSTed (https:// in production).', max_length=500, verbose_name='URL')),
                        ('secret', models.CharField(default=notifications.models._webhook_secret, help_text="Each request carries X-Helpdesk-Signature: v1=HMAC-SHA256(secret, timestamp + '.' + body) in hex, and X-Helpdesk-Timestamp.", max_length=128, verbose_name='signing secret')),
                        ('events', models.JSONField(blank=True, default=list, verbose_name='events')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ],
                    options={
                        'verbose_name': 'webhook endpoint',
                        'verbose_name_plural': 'webhook endpoints',
                        'ordering': ['name'],
                        'indexes': [],
                        'constraints': [],
                        'db_table': 'escalation_webhookendpoint',
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='notification_preference', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                        ('email_kinds', models.JSONField(blank=True, default=notifications.models._default_email_kinds, verbose_name='email for')),
                        ('sms_kinds', models.JSONField(blank=True, default=notifications.models._default_sms_kinds, verbose_name='SMS for')),
                        ('sms_max_priority', models.PositiveSmallIntegerField(choices=[(1, 'P1 only'), (2, 'P1 and P2'), (3, 'P1 to P3'), (4, 'Every priority')], default=2, help_text='Tickets of lower priority reach you by email only. A supervisor page always comes by SMS.', verbose_name='SMS only for priority')),
                        ('quiet_start', models.TimeField(blank=True, null=True, verbose_name='quiet hours from')),
                        ('quiet_end', models.TimeField(blank=True, null=True, verbose_name='quiet hours until')),
                        ('essential_email_only', models.BooleanField(default=False, help_text='About your own tickets, email me only when support replies or resolves them.', verbose_name='essential email only')),
                    ],
                    options={
                        'verbose_name': 'notification preference',
                        'verbose_name_plural': 'notification preferences',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('quiet_end__isnull', True), ('quiet_start__isnull', True)), models.Q(('quiet_end__isnull', False), ('quiet_start__isnull', False)), _connector='OR'), name='notification_preference_quiet_hours_both_or_neither')],
                        'indexes': [],
                        'db_table': 'escalation_notificationpreference',
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ticket_created', 'Ticket received'), ('reply', 'Reply from support'), ('escalated', 'Ticket escalated'), ('de_escalated', 'Ticket sent back down'), ('resolved', 'Ticket resolved'), ('requester_replied', 'Requester replied'), ('reopened', 'Ticket reopened'), ('sla_warning', 'SLA warning'), ('sla_breach', 'SLA breached'), ('supervisor_page', 'Supervisor paged')], max_length=32, verbose_name='kind')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS'), ('webhook', 'Webhook')], max_length=8, verbose_name='channel')),
                        ('address', models.CharField(max_length=500, verbose_name='address')),
                        ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                        ('body_text', models.TextField(verbose_name='text')),
                        ('body_html', models.TextField(blank=True, verbose_name='HTML')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed, will retry'), ('dead', 'Dead-lettered')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('provider_id', models.CharField(blank=True, max_length=255, verbose_name='provider message id')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('recipient', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='tickets.ticket')),
                        ('webhook', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='notifications.webhookendpoint')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(condition=models.Q(('status__in', ['pending', 'sending', 'failed'])), fields=['next_attempt_at'], name='notification_due_idx')],
                        'constraints': [],
                        'db_table': 'escalation_notification',
                    },
                ),
            ],
        ),
    ]
