"""`python -m converter` runs the casefhir command line."""

from converter.cli import main

main()
