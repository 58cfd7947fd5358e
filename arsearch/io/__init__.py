"""Reading articles: JSON Lines, CSV, plain text files, archives and stdin."""
