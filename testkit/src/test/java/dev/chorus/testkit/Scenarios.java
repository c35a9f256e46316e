package dev.chorus.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a test class through the JUnit launcher, as a build would, and reports how each of its
 * test methods ended: the way to see what {@link ChorusExtension} does after a test. The classes
 * it runs carry {@link OnlyInScenarios}, so they run only here.
 */
final class Scenarios {

  private static final String ENABLED = "chorus.testkit.scenarios";

  private Scenarios() {}

  /** Runs the class; returns each test method's result by method name. */
  static Map<String, TestExecutionResult> run(Class<?> testClass) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(testClass))
        .configurationParameter(ENABLED, "true")
        .build();
    Map<String, TestExecutionResult> results = new LinkedHashMap<>();
    TestExecutionListener listener = new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        test.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
            .ifPresent(method -> {
              synchronized (results) {
                results.put(method.getMethodName(), result);
              }
            });
      }
    };
    LauncherFactory.create(LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build())
        .execute(request, listener);
    synchronized (results) {
      return Map.copyOf(results);
    }
  }

  /** Disables a scenario class unless {@link Scenarios#run} runs it. */
  static final class OnlyInScenarios implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(ENABLED).isPresent()
          ? ConditionEvaluationResult.enabled("run by Scenarios")
          : ConditionEvaluationResult.disabled("a scenario, run only by Scenarios.run");
    }
  }
}
