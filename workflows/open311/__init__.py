"""Open311 GeoReport v2: other systems file and read service requests (complaints) the standard way."""
