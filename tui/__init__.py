"""postshelf's terminal face: the Textual reader and the command-line entry point."""
