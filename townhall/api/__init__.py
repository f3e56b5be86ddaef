"""The HTTP edge: translates requests into domain verbs and results into JSON."""
