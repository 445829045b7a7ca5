"""The organisation complaints are handled in: regions (provinces, regencies/cities), instansi and
their units (models), and the read queries pages and the API list them with (queries)."""
