"""Getting text out of warroom: the clipboard paths a copy can take."""
