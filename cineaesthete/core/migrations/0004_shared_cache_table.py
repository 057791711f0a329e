"""The database cache's table, so `migrate` alone prepares the shared cache (rate limits count there)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the table of every DatabaseCache in CACHES (none when CACHE_URL points at Redis); re-runnable.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_jobrun_sent_at")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
