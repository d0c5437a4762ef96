from imaging_atlas.benchmark.run import main

main()
