"""Local ingestion: files and folders on disk become ``Document`` records (see ``readers``)."""
