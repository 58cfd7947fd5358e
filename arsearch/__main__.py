from arsearch.cli import main

main()
