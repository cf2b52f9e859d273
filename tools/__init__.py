"""Developer tools kept out of the installed package."""
