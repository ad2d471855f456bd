"""Screens of the console: the main screen and the modal forms and pickers."""
