from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pgvector (image and text embeddings, item factors) and pg_trgm (typo-tolerant title search)."""

    dependencies: list = []
    operations = [CreateExtension("vector"), CreateExtension("pg_trgm")]
