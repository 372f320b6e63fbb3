"""The federation protocol, free of Flask: node keys, signing, the registry, sync.

The import name ``federation`` is this project's. An unrelated PyPI distribution is also named
``federation``; do not install both into one environment.
"""
