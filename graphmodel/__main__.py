"""``python -m graphmodel``: the command line (same as the ``graphmodel`` script)."""

from graphmodel.cli import main

if __name__ == "__main__":
    main()
