"""Reading the inspectorate's publications: the listing (HTML or Atom), a report's page and its PDF's text."""
