from django.db import migrations

# Providers belong to countries, so "country = 'US' AND provider_id IN (…US services…)" matches far more offers
# than the product of the two columns' selectivities. Without statistics on the columns together PostgreSQL
# underestimates "on my services" five-fold and picks parallel plans and hash joins over the whole catalogue
# for a 48-film page that an index walk answers after a few hundred films.


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_browse_order_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE STATISTICS IF NOT EXISTS availability_offer_stats (mcv, dependencies, ndistinct) "
            "ON country, provider_id, kind FROM catalog_filmavailability; ANALYZE catalog_filmavailability;",
            reverse_sql="DROP STATISTICS IF EXISTS availability_offer_stats;",
        ),
    ]
