"""Plain readers for the catalogue's source files (MovieLens, MeLU metadata, image folders).

Nothing here touches the database: readers yield plain values and raise ``IngestError`` naming the file and
line of anything malformed, so the services (``catalog.services``, ``reviews.movielens``) can validate while
they stream.
"""
