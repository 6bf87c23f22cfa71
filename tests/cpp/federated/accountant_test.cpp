// Reference values from TensorFlow Privacy's tests,
// tensorflow_privacy/privacy/analysis/rdp_accountant_test.py (github.com/tensorflow/privacy):
//   test_compute_rdp_no_data / _no_sampling / _scalar / _sequence, test_get_privacy_spent_check_target_delta.
// Only integer orders are checked: this accountant implements the integer-alpha formula.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "zhixuan/federated/accountant.hpp"

using namespace zhixuan;

TEST_CASE("RDP of the sampled Gaussian matches TensorFlow Privacy's reference values", "[accountant]") {
  SECTION("q = 0 costs nothing (test_compute_rdp_no_data)") {
    auto rdp = ComputeRdpSampledGaussian(0, 10, 1, {20});
    REQUIRE(rdp.ok());
    CHECK((*rdp)[0] == 0);
  }
  SECTION("q = 1 is the plain Gaussian, alpha / (2 sigma^2) (test_compute_rdp_no_sampling)") {
    auto rdp = ComputeRdpSampledGaussian(1, 10, 1, {20});
    REQUIRE(rdp.ok());
    CHECK((*rdp)[0] == Approx(0.1).epsilon(1e-12));
  }
  SECTION("q = 0.1, sigma = 2, 10 steps, order 5 gives 0.07737 (test_compute_rdp_scalar)") {
    auto rdp = ComputeRdpSampledGaussian(0.1, 2, 10, {5});
    REQUIRE(rdp.ok());
    CHECK((*rdp)[0] == Approx(0.07737).margin(1e-5));
  }
  SECTION("q = 0.01, sigma = 2.5, 50 steps at orders 5, 50, 100 (test_compute_rdp_sequence)") {
    auto rdp = ComputeRdpSampledGaussian(0.01, 2.5, 50, {5, 50, 100});
    REQUIRE(rdp.ok());
    CHECK((*rdp)[0] == Approx(0.00218075).margin(1e-5));
    CHECK((*rdp)[1] == Approx(0.023846).margin(1e-5));
    CHECK((*rdp)[2] == Approx(167.416307).margin(1e-4));
  }
  SECTION("bad arguments are InvalidArgument") {
    CHECK(ComputeRdpSampledGaussian(1.5, 1, 1, {2}).status().code() == StatusCode::kInvalidArgument);
    CHECK(ComputeRdpSampledGaussian(0.1, -1, 1, {2}).status().code() == StatusCode::kInvalidArgument);
    CHECK(ComputeRdpSampledGaussian(0.1, 1, 1, {1}).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("epsilon(delta) from RDP matches TensorFlow Privacy's conversion", "[accountant]") {
  SECTION("constant RDP 1.1 over orders 2..32 at delta 1e-5: eps 1.32783806176 at order 32") {
    std::vector<int> orders;
    for (int a = 2; a <= 32; ++a) orders.push_back(a);
    std::vector<double> rdp(orders.size(), 1.1);
    auto spent = EpsilonFromRdp(orders, rdp, 1e-5);
    REQUIRE(spent.ok());
    CHECK(spent->order == 32);
    CHECK(spent->epsilon == Approx(1.32783806176).epsilon(1e-9));
  }
  SECTION("sigma = 4.530877117 without sampling is exactly (1, 1e-6)-DP; integer orders give a bound just above 1") {
    auto orders = DefaultRdpOrders();
    auto rdp = ComputeRdpSampledGaussian(1, 4.530877117, 1, orders);
    REQUIRE(rdp.ok());
    auto spent = EpsilonFromRdp(orders, *rdp, 1e-6);
    REQUIRE(spent.ok());
    CHECK(spent->epsilon >= 1.0);
    CHECK(spent->epsilon < 1.02);
  }
  SECTION("more steps never cost less") {
    auto orders = DefaultRdpOrders();
    auto few = EpsilonFromRdp(orders, ComputeRdpSampledGaussian(0.05, 1.0, 10, orders).value(), 1e-5);
    auto many = EpsilonFromRdp(orders, ComputeRdpSampledGaussian(0.05, 1.0, 100, orders).value(), 1e-5);
    CHECK(few->epsilon < many->epsilon);
  }
  SECTION("bad delta is InvalidArgument") {
    CHECK(EpsilonFromRdp({2}, {1.0}, 0).status().code() == StatusCode::kInvalidArgument);
    CHECK(EpsilonFromRdp({2}, {1.0, 2.0}, 1e-5).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a privacy ledger declines rounds once its budget is spent", "[accountant][ledger]") {
  AccountantParams params;
  params.sampling_rate = 1.0;
  params.noise_multiplier = 2.0;
  params.delta = 1e-5;
  PrivacyLedger ledger(3.0);
  CHECK(ledger.EpsilonSpent(1e-5) == 0);
  int rounds = 0;
  while (ledger.CanAfford(params) && rounds < 1000) {
    REQUIRE(ledger.Charge(params).ok());
    ++rounds;
  }
  CHECK(rounds > 0);
  CHECK(rounds < 1000);
  CHECK(ledger.EpsilonSpent(1e-5) <= 3.0);
  CHECK(ledger.EpsilonAfterRound(params).value() > 3.0);

  SECTION("it survives a JSON round trip") {
    auto back = PrivacyLedger::FromJson(ledger.ToJson());
    REQUIRE(back.ok());
    CHECK(back->rounds() == rounds);
    CHECK(back->EpsilonSpent(1e-5) == Approx(ledger.EpsilonSpent(1e-5)));
    CHECK_FALSE(back->CanAfford(params));
  }
  SECTION("a noise-free round is unaffordable for any finite budget") {
    PrivacyLedger fresh(100.0);
    AccountantParams none = params;
    none.noise_multiplier = 0;
    CHECK_FALSE(fresh.CanAfford(none));
  }
  SECTION("a broken ledger JSON is MalformedPayload") {
    CHECK(PrivacyLedger::FromJson("{").status().code() == StatusCode::kMalformedPayload);
    CHECK(PrivacyLedger::FromJson(R"({"budget":1,"rounds":-1,"unbounded":false,"rdp":[]})").status().code() ==
          StatusCode::kMalformedPayload);
  }
}
