"""Sheet backends behind one port: the local workbook (default) and Google Sheets."""
