from deployq.cli.main import main

main()
