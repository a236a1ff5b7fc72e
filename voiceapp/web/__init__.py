"""HTTP plumbing below every route: request-body limits, the server protocol's
deadlines, the protective headers of every page."""
