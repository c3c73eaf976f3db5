"""What a text from outside may not hold, shared by every path that reads one."""

# What Django reads in place of bytes that are not UTF-8 when it decodes a form or a query.
REPLACEMENT_CHARACTER = "\ufffd"
