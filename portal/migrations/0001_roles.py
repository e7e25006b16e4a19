from django.db import migrations


def create_roles(apps, schema_editor):
    from portal.roles import roles_sync

    roles_sync(apps=apps)


def remove_roles(apps, schema_editor):
    from portal.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    """The dispatcher, shift manager and analyst groups, with least privilege (portal/roles.py)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("messaging", "0002_timer_sweep_schedule"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
