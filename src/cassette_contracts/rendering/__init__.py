"""The one rendering home: every command's result in text, json, junit, markdown, github."""
