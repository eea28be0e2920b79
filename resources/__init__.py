"""Data files shipped with LayerForge: schema, example projects, icons, styles.

This is a package only so that ``importlib.resources`` finds the files both in a
checkout and in an installed wheel or bundle; it contains no code.
"""
