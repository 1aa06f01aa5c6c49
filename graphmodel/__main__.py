"""``python -m graphmodel``: the command line (same as the ``graphmodel`` script)."""

from graphmodel.launch import main

if __name__ == "__main__":
    main()
