from sheetsync.cli.main import run

run()
