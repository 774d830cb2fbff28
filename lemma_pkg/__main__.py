"""Allow ``python -m lemma_pkg``."""

from lemma_pkg.cli import main

if __name__ == "__main__":
    main()
