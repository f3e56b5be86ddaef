"""Pages and static files: the demo article and the comment box's script."""
