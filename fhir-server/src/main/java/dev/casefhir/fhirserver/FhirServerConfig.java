package dev.casefhir.fhirserver;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.jobs.imprt.BulkDataImportProvider;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * The HAPI FHIR JPA wiring: storage settings, the HAPI persistence unit, and the
 * {@link RestfulServer} mounted at {@code /fhir/*}.
 *
 * <p>{@code $validate} on every resource type comes from the generated resource providers; it
 * runs HAPI's instance validator over the JPA validation-support chain (R4 core definitions from
 * hapi-fhir-validation-resources-r4 plus every StructureDefinition / ValueSet / CodeSystem stored
 * in this server). No validating interceptor is registered: writes are never validated.
 */
@Configuration
@EnableTransactionManagement
@Import({HapiJpaConfig.class, ThreadPoolFactoryConfig.class})
public class FhirServerConfig {

	private static final Logger ourLog = LoggerFactory.getLogger(FhirServerConfig.class);

	@Bean
	public JpaStorageSettings jpaStorageSettings(
			@Value("${casefhir.allow-external-references:false}") boolean allowExternalReferences,
			@Value("${casefhir.auto-create-placeholders:false}") boolean autoCreatePlaceholders,
			@Value("${casefhir.expunge-enabled:true}") boolean expungeEnabled,
			@Value("${casefhir.batch-fast-tracking:true}") boolean batchFastTracking) {
		JpaStorageSettings s = new JpaStorageSettings();
		// client-assigned ids such as "kob2023-1-patient"; purely numeric ids stay refused
		s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ALPHANUMERIC);
		// a reference to a missing resource fails the write (HAPI-1094) ...
		s.setEnforceReferentialIntegrityOnWrite(true);
		s.setEnforceReferentialIntegrityOnDelete(true);
		// ... unless placeholders are switched on explicitly
		s.setAutoCreatePlaceholderReferenceTargets(autoCreatePlaceholders);
		s.setAllowExternalReferences(allowExternalReferences);
		// PUT of unchanged content does not create a new version (HAPI's default, made explicit)
		s.setSuppressUpdatesWithNoChange(true);
		s.setExpungeEnabled(expungeEnabled);
		s.setDeleteExpungeEnabled(expungeEnabled);
		s.setAllowMultipleDelete(true);
		// batch2 jobs ($import) move to their next step without waiting for the next maintenance pass
		s.setJobFastTrackingEnabled(batchFastTracking);
		// no Lucene / Elasticsearch
		s.setHibernateSearchIndexFullText(false);
		s.setHibernateSearchIndexSearchParams(false);
		return s;
	}

	/**
	 * HAPI runs its batch2 maintenance pass (which starts queued jobs such as {@code $import} and
	 * moves them between steps) once a minute; a local server can afford it much more often. Runs
	 * before the scheduler registers its jobs (that happens on ContextRefreshedEvent).
	 */
	@Bean
	public InitializingBean batchMaintenanceInterval(
			IJobMaintenanceService maintenanceService,
			@Value("${casefhir.batch-maintenance-interval-ms:5000}") long intervalMillis) {
		return () -> {
			if (maintenanceService instanceof JobMaintenanceServiceImpl impl) {
				impl.setScheduledJobFrequencyMillis(intervalMillis);
				ourLog.info("Batch2 maintenance pass every {} ms", intervalMillis);
			}
		};
	}

	/**
	 * Codes of external terminologies the server does not hold (LOINC, SNOMED CT, ...) cannot be
	 * checked offline; {@code $validate} reports them with this severity (warning by default;
	 * HAPI's own default is an error in required bindings). See {@link OfflineTerminologySupport}.
	 */
	@Bean
	public InitializingBean offlineTerminology(
			JpaValidationSupportChain chain,
			FhirContext fhirContext,
			@Value("${casefhir.unknown-code-system-severity:warning}") String severity,
			@Value("${casefhir.external-code-systems:" + EXTERNAL_CODE_SYSTEMS + "}") String[] systems) {
		return () -> {
			OfflineTerminologySupport support = new OfflineTerminologySupport(
					fhirContext, Set.of(systems), IValidationSupport.IssueSeverity.valueOf(severity.trim().toUpperCase(Locale.ROOT)));
			chain.addValidationSupport(support);
			ourLog.info("$validate: codes of {} external code systems not held here are a {}", systems.length, severity);
		};
	}

	static final String EXTERNAL_CODE_SYSTEMS = "http://loinc.org,http://snomed.info/sct,"
			+ "http://www.nlm.nih.gov/research/umls/rxnorm,http://www.genenames.org,"
			+ "http://www.sequenceontology.org,http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl,"
			+ "http://www.radlex.org,http://hl7.org/fhir/sid/icd-10-cm,"
			+ "http://terminology.hl7.org/CodeSystem/icd-o-3,http://dicom.nema.org/resources/ontology/DCM";

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean
	public SubscriptionSettings subscriptionSettings() {
		// no subscription channel types are enabled
		return new SubscriptionSettings();
	}

	/** Subscriptions are not used; the subscription processor still needs an e-mail sender bean. */
	@Bean
	public IEmailSender emailSender() {
		return theDetails -> {};
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			JpaProperties jpaProperties,
			DataSource dataSource) {
		LocalContainerEntityManagerFactoryBean emf =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		Map<String, String> p = jpaProperties.getProperties();
		p.putIfAbsent("hibernate.hbm2ddl.auto", "update");
		p.putIfAbsent("hibernate.search.enabled", "false");
		p.putIfAbsent("hibernate.format_sql", "false");
		p.putIfAbsent("hibernate.show_sql", "false");
		p.putIfAbsent("hibernate.jdbc.batch_size", "20");
		p.putIfAbsent("hibernate.cache.use_query_cache", "false");
		p.putIfAbsent("hibernate.cache.use_second_level_cache", "false");
		p.putIfAbsent("hibernate.cache.use_structured_entries", "false");
		p.putIfAbsent("hibernate.cache.use_minimal_puts", "false");
		p.putIfAbsent("hibernate.archive.scanner", "org.hibernate.boot.archive.scan.internal.DisabledScanner");
		p.putIfAbsent(
				"hibernate.implicit_naming_strategy",
				"org.springframework.boot.orm.jpa.hibernate.SpringImplicitNamingStrategy");
		p.putIfAbsent(
				"hibernate.physical_naming_strategy",
				"org.hibernate.boot.model.naming.CamelCaseToUnderscoresNamingStrategy");
		emf.setPersistenceUnitName("HAPI_PU");
		emf.setJpaPropertyMap(p);
		emf.setDataSource(dataSource);
		ourLog.info("HAPI persistence unit: dialect {}", p.get("hibernate.dialect"));
		return emf;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		JpaTransactionManager tm = new JpaTransactionManager();
		tm.setEntityManagerFactory(entityManagerFactory);
		return tm;
	}

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviderFactory,
			IJpaSystemProvider jpaSystemProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			BulkDataImportProvider bulkDataImportProvider,
			ValueSetOperationProvider valueSetOperationProvider,
			IPackageInstallerSvc packageInstallerSvc) {
		FhirContext ctx = systemDao.getContext();
		ctx.setNarrativeGenerator(new NullNarrativeGenerator());

		RestfulServer server = new RestfulServer(ctx);
		// one provider per resource type: CRUD, search, history, $validate, ...
		server.registerProviders(resourceProviderFactory.createProviders());
		// transaction / batch Bundles, $meta, ...
		server.registerProvider(jpaSystemProvider);
		// $import and $import-poll-status
		server.registerProvider(bulkDataImportProvider);
		// ValueSet/$expand, $validate-code
		server.registerProvider(valueSetOperationProvider);
		// ImplementationGuide/$install with the bytes of an npm package (.tgz); never fetches
		server.registerProvider(new PackageInstallProvider(packageInstallerSvc));

		JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		capabilities.setImplementationDescription("casefhir local HAPI FHIR R4 server");
		server.setServerConformanceProvider(capabilities);

		server.setPagingProvider(pagingProvider);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setDefaultPrettyPrint(true);
		server.registerInterceptor(new ResponseHighlighterInterceptor());
		return server;
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServletRegistration(RestfulServer restfulServer) {
		ServletRegistrationBean<RestfulServer> reg = new ServletRegistrationBean<>(restfulServer, "/fhir/*");
		reg.setName("fhir");
		reg.setLoadOnStartup(1);
		return reg;
	}
}
