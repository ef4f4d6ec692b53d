"""Staff who saved their notification settings before the low-rating alert existed have
their list of kinds stored without it: add it to every stored email list, as new settings
have it, so supervisors hear of a low rating by email without having to tick it first.
(A list emptied on purpose stays empty: that person asked for no email at all.)"""

from django.db import migrations

LOW_RATING = "low_rating"


def add(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    for preference in Preference.objects.exclude(email_kinds=[]).only("pk", "email_kinds").iterator():
        if LOW_RATING not in preference.email_kinds:
            Preference.objects.filter(pk=preference.pk).update(email_kinds=[*preference.email_kinds, LOW_RATING])


def remove(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    for preference in Preference.objects.only("pk", "email_kinds").iterator():
        if LOW_RATING in preference.email_kinds:
            kinds = [kind for kind in preference.email_kinds if kind != LOW_RATING]
            Preference.objects.filter(pk=preference.pk).update(email_kinds=kinds)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_low_rating_kind")]

    operations = [migrations.RunPython(add, remove)]
