{{ atlas_indicator(measure='patients') }}
