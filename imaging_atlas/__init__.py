"""Medical-imaging indicators of the IMA-AIM Atlas: helpers around the dbt project."""
