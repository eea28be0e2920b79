"""The LayerForge desktop application (Qt). Importing this package does not import Qt."""
