"""Forms of the portal pages, one module per area."""
