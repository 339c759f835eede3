"""The places (district > subdistrict > neighborhood > building > household) as the committee
meets them: the front door, each neighborhood's dashboard and the header's places."""
