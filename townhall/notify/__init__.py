"""Ways back to the reader: mail (and, later, notifications, feeds, webhooks)."""
