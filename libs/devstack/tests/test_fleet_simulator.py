import pytest

from waybill_devstack.fleet_simulator import LEG_SECONDS, SimulatedVehicle

ROTTERDAM = (51.92, 4.48)
UTRECHT = (52.09, 5.12)


def test_a_vehicle_drives_its_leg_and_comes_back() -> None:
    vehicle = SimulatedVehicle(vehicle_id=1, route=[ROTTERDAM, UTRECHT])

    halfway, speed, heading = vehicle.advance(LEG_SECONDS / 2)
    assert halfway == pytest.approx(((51.92 + 52.09) / 2, (4.48 + 5.12) / 2))
    assert 40 < heading < 80  # north-east, towards Utrecht
    assert 0 < speed <= 130

    halfway_back, _, heading_back = vehicle.advance(LEG_SECONDS)
    assert halfway_back == pytest.approx(halfway)
    assert 220 < heading_back < 260  # south-west, on the way home

    back_home, _, _ = vehicle.advance(LEG_SECONDS / 2)
    assert back_home == pytest.approx(ROTTERDAM)


def test_progress_wraps_so_the_round_goes_on_forever() -> None:
    vehicle = SimulatedVehicle(vehicle_id=1, route=[ROTTERDAM, UTRECHT, ROTTERDAM])
    for _ in range(1000):
        (latitude, longitude), _, _ = vehicle.advance(7.3)
        assert 51.9 <= latitude <= 52.1
        assert 4.4 <= longitude <= 5.2
