"""Ways back to the reader: mail (links, notices, the batched reply mail) and Atom feeds."""
