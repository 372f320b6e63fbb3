from roaming.cli import main

main()
