"""Modal screens of the reader: help, pickers, prompts and the export dialog."""
