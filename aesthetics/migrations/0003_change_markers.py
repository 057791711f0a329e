from django.db import migrations

# Searches cache the analysed palettes and the film texts per process and must see every change at once, in
# every process, at the cost of one cheap query. Counting and dating 100k rows costs ~60 ms a query, so each
# write statement on those tables notes itself instead: the writing backend's row in aesthetics_change takes a
# fresh value from a sequence (one row per backend and topic: no two transactions wait on the same row). The
# sum and maximum of a topic's rows change with every committed change, and with a change the reading
# transaction made itself. The table is not a model, so a test flush leaves it alone (values never repeat).
FORWARD = """
CREATE SEQUENCE aesthetics_change_seq;
CREATE TABLE aesthetics_change (
    topic text NOT NULL,
    backend integer NOT NULL,
    change bigint NOT NULL,
    PRIMARY KEY (topic, backend)
);
CREATE FUNCTION aesthetics_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO aesthetics_change (topic, backend, change)
    VALUES (TG_ARGV[0], pg_backend_pid(), nextval('aesthetics_change_seq'))
    ON CONFLICT (topic, backend) DO UPDATE SET change = EXCLUDED.change;
    RETURN NULL;
END
$$;
CREATE TRIGGER image_aesthetics_added_or_removed
    AFTER INSERT OR DELETE OR TRUNCATE ON aesthetics_imageaesthetics
    FOR EACH STATEMENT EXECUTE FUNCTION aesthetics_note_change('images');
CREATE TRIGGER image_aesthetics_palette_changed
    AFTER UPDATE OF film_id, image_id, status, palette, brightness, contrast, saturation, colourfulness, warmth,
        monochrome, neon ON aesthetics_imageaesthetics
    FOR EACH STATEMENT EXECUTE FUNCTION aesthetics_note_change('images');
CREATE TRIGGER film_text_embedding_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON aesthetics_filmtextembedding
    FOR EACH STATEMENT EXECUTE FUNCTION aesthetics_note_change('texts');
"""
REVERSE = """
DROP TRIGGER film_text_embedding_changed ON aesthetics_filmtextembedding;
DROP TRIGGER image_aesthetics_palette_changed ON aesthetics_imageaesthetics;
DROP TRIGGER image_aesthetics_added_or_removed ON aesthetics_imageaesthetics;
DROP FUNCTION aesthetics_note_change();
DROP TABLE aesthetics_change;
DROP SEQUENCE aesthetics_change_seq;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("aesthetics", "0002_neon_measure_and_vibe_collections"),
    ]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
